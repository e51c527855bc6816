MAPPERS = {
    'openstack|compute.instance.update': (instance_id, instance_update_status),
    'openstack|compute.instance.live_migration._post.end': instance_update,
}
