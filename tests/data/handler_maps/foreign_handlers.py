# Handlers imported from elsewhere: known names keep what lmtrace knows of
# them, unknown names are assumed to write the host.
from elsewhere import instance_update, instance_delete, my_handler

MAPPERS = {
    'compute.instance.live_migration.post.dest.end': instance_update,
    'compute.instance.delete.end': instance_delete,
    'compute.instance.live_migration.pre.end': my_handler,
}
