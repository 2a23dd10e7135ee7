from .pos_weight_bce_loss import PosWeightBCELoss

__all__ = ['PosWeightBCELoss']
