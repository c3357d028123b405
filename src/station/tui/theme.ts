/**
 * Colours that show on 8- and 16-colour terminals (TERM=screen, xterm, tmux-256color)
 * on dark and light backgrounds alike. No "grey": blessed draws it as colour 8, which
 * 8-colour terminals turn into SGR 30 (black), invisible on a dark background.
 * Borders use the terminal's own foreground; emphasis uses the basic colours.
 */
export const BORDER = 'default';
export const FOCUS_BORDER = 'cyan';
/** Text that is present but quiet (idle banner, "nobody yet"). */
export const QUIET = 'default';
