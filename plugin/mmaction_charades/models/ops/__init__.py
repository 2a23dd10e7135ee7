from .sliding_window_attention import sliding_window_attention

__all__ = ['sliding_window_attention']
