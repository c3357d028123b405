import type blessed from 'blessed';

/**
 * Takes an overlay (a popup, a question, the room list) off the screen from inside its
 * key handler and hands the keyboard back at once. Keys that came in the same read
 * (typed fast, or batched by a slow SSH link) then go where the operator is
 * typing instead of to a box that is gone. The key that closed the overlay is not typed
 * there too: blessed chose that key's recipient before dispatching it. Enter's second
 * report ("return" after "enter") reaches the new focus, and every face ignores it.
 */
export function closeOverlay(screen: blessed.Widgets.Screen, box: blessed.Widgets.BlessedElement, then: () => void): void {
  box.destroy();
  then();
  screen.render();
}
