# Synthetic events.py in the shape of 3.x+ (2019 on): MAPPERS keyed by bare
# event type, handlers take (evt), no None entries. Still Python 2.
import ast


def _apply_instance_traits(evt, objmap):
    traitmap = {'host_name': ['set_host_name'], 'host': ['set_host_name']}
    for trait in traitmap:
        if 'trait_' + trait in evt:
            setattr(objmap, traitmap[trait][0], evt['trait_' + trait])


def instance_update(evt):
    objmap = {}
    _apply_instance_traits(evt, objmap)
    return objmap


def instance_delete(evt):
    return {'_remove': True}


def volume_update(evt):
    try:
        return ast.literal_eval(evt['trait_size'])
    except Exception, e:
        return None


MAPPERS = {
    'compute.instance.delete.end': instance_delete,
    'compute.instance.live_migration._post.end': instance_update,
    'volume.update.end': volume_update,
}


def map_event(evt):
    event_type = evt.get('openstack_event_type')
    if event_type and event_type in MAPPERS:
        return MAPPERS[event_type](evt)
