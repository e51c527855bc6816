# Synthetic events.py in the shape of September 2014: MAPPERS keyed by bare
# event type, handlers take (device, dmd, evt), None = no handler. Python 2.
"""Docstring that would fool a regex:
MAPPERS = {'compute.instance.live_migration.pre.start': instance_update}
"""
import this_module_does_not_exist  # never imported: the file is read, not run

TRAITMAPS = {
    'instance': {
        'host_name': ['set_host_name'],   # { unbalanced in a comment
        'state': ['serverStatus'],
    },
}


def _apply_traits(evt, traitset, objmap):
    for trait in TRAITMAPS[traitset]:
        try:
            setattr(objmap, trait, getattr(evt, 'trait_' + trait))
        except Exception, e:
            print "cannot apply %s: {%s}" % (trait, e)


def instance_update(device, dmd, evt):
    objmap = {}
    _apply_traits(evt, 'instance', objmap)
    return [objmap]


def instance_delete(device, dmd, evt):
    evt.summary = "Instance deleted }"
    return []


MAPPERS = {
    'compute.instance.update':           instance_update,
    'compute.instance.delete.end':       instance_delete,
    'compute.instance.live_migration.pre.start': None,
    'compute.instance.live_migration.post.dest.end':  None,
    'compute.instance.live_migration._post.end': instance_update,
}


def process(evt, device, dmd, txnCommit):
    mapper = MAPPERS.get(evt.eventClassKey)
    if mapper:
        return mapper(device, dmd, evt)
