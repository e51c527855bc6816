OLD_HANDLERS = {
    'compute.instance.update': instance_update_status,
}
NEW_HANDLERS = {
    'compute.instance.update': instance_update,
}
