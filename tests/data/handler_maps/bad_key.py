MAPPERS = {
    'compute.instance.update': instance_update,
    EVENT_TYPE: instance_update,
}
