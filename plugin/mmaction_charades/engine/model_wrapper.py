"""A data-parallel wrapper that works for CPU (gloo) as well as GPU runs."""
import torch.nn as nn
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


# Registered in MMEngine's root registry: Runner.wrap_model looks wrappers up
# with `MODEL_WRAPPERS.get`, which does not search child (mmaction) scopes.
@MODEL_WRAPPERS.register_module()
class DeviceAwareDistributedDataParallel(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` that also wraps CPU modules.

    MMEngine's Runner passes ``device_ids=[LOCAL_RANK]`` to every DDP wrapper,
    which torch rejects for a module on the CPU. For CPU modules the ids are
    dropped (DDP then averages gradients over gloo); GPU modules are wrapped
    exactly as by MMEngine.
    """

    def __init__(self, module: nn.Module, device_ids=None, **kwargs) -> None:
        param = next(module.parameters(), None)
        if param is not None and param.device.type == 'cpu':
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)
