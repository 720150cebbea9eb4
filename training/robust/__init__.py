"""Robust training pieces behind ``training/rift.py``: PGD, module robust criticality, interpolation.

Pure functions over ``nn.Module`` and tensors so each step of RiFT (Zhu et al., ICCV 2023) can
be tested on a tiny model without any dataset.
"""
