"""Named test protocols of a config.

The dataset bases (``configs/_base_/datasets/``) define ``test_protocols``:
for each name, the entries it sets (``test_dataloader``, ``test_evaluator``
and, for ``charades_localize``, the head's ``average_clips``), merged over
the config as MMEngine merges a base (dicts key by key, lists replaced). A
derived base removes a protocol its model cannot run by setting it to None.
The config's own ``test_dataloader`` and ``test_evaluator`` are those of
:data:`DEFAULT_PROTOCOL`; ``tools/test.py --protocol NAME`` applies
another. The protocol's name travels in the test dataset's
``metainfo['protocol']``, which the results files report.
"""
from typing import List

from mmengine.config import Config

from .cli import UserError

#: The config key holding the protocols.
PROTOCOLS_KEY = 'test_protocols'
#: The protocol of every shipped config's test_dataloader / test_evaluator.
DEFAULT_PROTOCOL = 'charades_video'


def protocol_names(cfg: Config) -> List[str]:
    """Names of the config's test protocols, in definition order."""
    protocols = cfg.get(PROTOCOLS_KEY) or {}
    return [name for name, value in protocols.items() if value is not None]


def apply_protocol(cfg: Config, name: str) -> Config:
    """Merge ``cfg.test_protocols[name]`` into ``cfg`` (in place).

    Raises:
        UserError: if the config has no protocol of that name.
    """
    names = protocol_names(cfg)
    if name not in names:
        choices = (f'one of {", ".join(names)}' if names else
                   f'a config that defines {PROTOCOLS_KEY}')
        raise UserError(f'--protocol {name!r}: unknown test protocol, '
                        f'expected {choices}')
    cfg.merge_from_dict(cfg[PROTOCOLS_KEY][name].to_dict())
    return cfg
