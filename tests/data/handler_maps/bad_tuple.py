MAPPERS = {
    'openstack|compute.instance.update': (instance_id, instance_update_status, extra),
}
