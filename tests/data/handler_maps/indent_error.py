# Python 3.12+ refuses to tokenize this function (a stray dedent), like
# some Python 2 files; the MAPPERS after it is still read.
def broken(evt):
        if evt:
            return 1
    return 2


MAPPERS = {
    'compute.instance.live_migration.post.dest.end': instance_update,
}
