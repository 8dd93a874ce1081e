"""The simulated omni-channel world: parameters, behaviour model and ``build_world``."""

from omni_core.world.build import World, build_world, describe
from omni_core.world.params import DEFAULT_CALENDAR, PromoPhase, WorldParams

__all__ = ["DEFAULT_CALENDAR", "PromoPhase", "World", "WorldParams", "build_world", "describe"]
