# -*- coding: no-such-codec -*-
# a coding cookie that names no codec: the map is still read
MAPPERS = {
    'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update),
    'openstack|compute.instance.live_migration._post.end': (instance_id, None),
}
