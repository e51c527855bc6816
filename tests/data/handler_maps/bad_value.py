MAPPERS = {
    'compute.instance.update': instance_update,
    'compute.instance.live_migration._post.end': lambda evt: None,
}
