/** The dashboard's keys, for its status bar and for `opv admin --help` (which must not load blessed). */
export const KEY_HELP = '↑↓ select  s sort  r reverse  f room  k kick  b ban  u bans/unban  a announce  q quit';
