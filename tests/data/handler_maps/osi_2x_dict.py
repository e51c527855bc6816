##############################################################################
# Synthetic events.py in the shape of the 2.x ZenPack (Oct 2014 - 2018):
# MAPPERS keyed 'openstack|TYPE', values (id_func, handler). Python 2.
##############################################################################
import logging
LOG = logging.getLogger('zen.OpenStack.events')

raise SystemExit("executing this file is a bug")

NEUTRON_TRAITMAPS = {
    'port': {
        'id': ['portId'],
    },
}


def instance_id(evt):
    return 'server-{0}'.format(evt.trait_instance_id)


def _apply_instance_traits(evt, objmap):
    traitmap = {
        'host_name':    ['set_host_name'],
        'state':        ['serverStatus'],
    }
    for trait in traitmap:
        try:
            setattr(objmap, traitmap[trait][0], getattr(evt, 'trait_' + trait))
        except Exception, e:
            LOG.debug("Unable to set %s (%s) }}" % (trait, e))


def instance_update(device, dmd, evt):
    objmap = {}
    _apply_instance_traits(evt, objmap)
    return [objmap]


def instance_update_status(device, dmd, evt):
    return instance_update(device, dmd, evt)


def instance_powering_on(device, dmd, evt):
    evt.summary = "Instance {%s} powering on" % evt.trait_display_name
    return []


def port_update(device, dmd, evt):
    return []


MAPPERS = {
    'openstack|compute.instance.update':   (instance_id, instance_update_status),
    'openstack|compute.instance.power_on.start': (instance_id, instance_powering_on),
    # { a brace in a comment inside the dict }
    'openstack|compute.instance.live_migration.pre.start': (instance_id, None),
    'openstack|compute.instance.live_migration.post.dest.start': (instance_id, None),
    'openstack|compute.instance.live_migration.post.dest.end':  (instance_id, None),
    'openstack|compute.instance.live_migration._post.start':  (instance_id, None),
    'openstack|compute.instance.live_migration.' '_post.end': (instance_id, instance_update),
    u'openstack|port.update.end':           (None, port_update),
    'openstack|dhcp_agent.network.add':     (None, None)
}


def process(evt, device, dmd, txnCommit):
    (idfunc, mapper) = MAPPERS.get(evt.eventClassKey, (None, None))
    if mapper:
        return len(mapper(device, dmd, evt))
    return 0
