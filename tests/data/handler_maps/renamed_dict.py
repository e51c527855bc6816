# A hand-patched copy whose mapping dict is not called MAPPERS.
LABELS = {'a': 'b'}

HANDLERS = {
    'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update),
    'openstack|compute.instance.live_migration._post.end': (instance_id, None),
}
