/** The station settings that belong to cues and spoken chat, and their checks. */

export const SPEECH_SETTING_KEYS = ['speakChat', 'chatCue', 'courtesyTone'] as const;

/** A settings file is untrusted text: each of these keys, when present, must be a boolean. */
export function speechSettingsProblem(s: Partial<Record<(typeof SPEECH_SETTING_KEYS)[number], unknown>>): string | null {
  for (const k of SPEECH_SETTING_KEYS) {
    const v = s[k];
    if (v !== undefined && typeof v !== 'boolean') return `"${k}" must be true or false, not ${JSON.stringify(v)}`;
  }
  return null;
}
