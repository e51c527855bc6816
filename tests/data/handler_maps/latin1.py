# -*- coding: latin-1 -*-
# Auteur: François
MAPPERS = {
    'compute.instance.update': instance_update_status,
}
