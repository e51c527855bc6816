def instance_update(device, dmd, evt):
    return []

MAPPERS = {
    'compute.instance.update': instance_update,
