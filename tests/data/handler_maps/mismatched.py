MAPPERS = {
    'compute.instance.update': (instance_id, instance_update},
}
