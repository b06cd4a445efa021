"""What a Stack needs from the engine process: the store, the plugins, settings, actions."""

from __future__ import annotations

from dataclasses import dataclass

from services.engine.resources import ResourceRegistry
from services.engine.tasks import ActionRunner
from shared.clients.store import StoreClient
from shared.config import EngineSettings


@dataclass
class Runtime:
    store: StoreClient
    registry: ResourceRegistry
    settings: EngineSettings
    engine_id: str
    actions: ActionRunner
