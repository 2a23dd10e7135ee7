from .vtn import VTNRecognizer

__all__ = ['VTNRecognizer']
