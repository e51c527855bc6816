# No mapping dict at all.
TRAITMAPS = {
    'instance': {'host_name': ['set_host_name']},
}


def process(evt):
    return None
