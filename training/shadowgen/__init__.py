"""Renderer pieces behind `training/synth.py`: hand model, poses, jitter, scene, pictures.

Read `poses.py` first: it is the table of how each puppet is made.
"""
