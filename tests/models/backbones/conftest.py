"""Fixtures of the backbone tests."""
import logging

import pytest
from mmengine.logging import MMLogger


@pytest.fixture(autouse=True)
def _quiet_init_log():
    """init_weights logs every parameter's init at INFO."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)
