"""Maintenance as a to-do list per printer: state = number of tasks due.

Home Assistant's to-do items have no interval, so a task not due is shown completed with its
next due point in the description, a due one needs action. Ticking a due task off records it
in the ledger (its counters start again); a task cleared from the list comes back (only the
`set_maintenance_task` service removes tasks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.components.todo import TodoItem, TodoListEntity
from homeassistant.components.todo.const import TodoItemStatus, TodoListEntityFeature
from homeassistant.helpers.entity import EntityDescription

from .entity import PrinternizerEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import PrinternizerConfigEntry, PrinternizerData

PARALLEL_UPDATES = 0

MAINTENANCE = EntityDescription(key="maintenance", translation_key="maintenance")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the printer's maintenance list."""
    async_add_entities([MaintenanceTodo(entry.runtime_data)])


class MaintenanceTodo(PrinternizerEntity, TodoListEntity):
    """The printer's maintenance tasks, read from the ledger."""

    _attr_supported_features = (
        TodoListEntityFeature.UPDATE_TODO_ITEM | TodoListEntityFeature.DELETE_TODO_ITEM
    )

    def __init__(self, data: PrinternizerData) -> None:
        """Keep the printer's maintenance list."""
        super().__init__(data.coordinator, MAINTENANCE)
        self._maintenance = data.maintenance

    @property
    def available(self) -> bool:
        """The list lives in the ledger: shown while the printer is offline too."""
        return True

    @property
    def todo_items(self) -> list[TodoItem]:
        """Due tasks need action; the others are completed until they come due."""
        language = self.hass.config.language if self.hass else "en"
        return [
            TodoItem(
                uid=task.task,
                summary=task.name,
                status=TodoItemStatus.NEEDS_ACTION if task.due else TodoItemStatus.COMPLETED,
                description=task.description(language),
                due=task.due_at,
            )
            for task in self._maintenance.tasks
        ]

    def _shown(self) -> Any:
        """The items too: a description changes without the count of due tasks changing."""
        items = tuple((i.uid, i.status, i.description, i.due) for i in self.todo_items)
        return (*super()._shown(), items)

    def probe(self) -> Callable[[], Any]:
        """Compared after each ledger change (the maintenance list calls the listeners)."""
        return self._shown

    async def async_update_todo_item(self, item: TodoItem) -> None:
        """Ticking a due task off records it; anything else leaves the list as it was."""
        done = False
        if item.status == TodoItemStatus.COMPLETED and item.uid is not None:
            done = await self._maintenance.async_complete(
                item.uid, self._context.user_id if self._context else None
            )
        if not done:
            self.async_write_ha_state()  # show the list as it is again

    async def async_delete_todo_items(self, uids: list[str]) -> None:
        """Tasks are not deleted here ("clear completed" included): they come back."""
        self.async_write_ha_state()
