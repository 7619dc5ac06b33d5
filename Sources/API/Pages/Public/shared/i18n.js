// What both pages need for their two languages: choosing one, looking up labels, and the formats that
// depend on it (money, times). Each page has its own messages.

export const languages = ['ko', 'en'];

/** The language to start in: the one saved, else the browser's, else Korean. */
export function preferredLanguage(saved, browserLanguages) {
  if (languages.includes(saved)) return saved;
  const first = (browserLanguages || []).find((tag) => languages.includes(tag.slice(0, 2).toLowerCase()));
  return first ? first.slice(0, 2).toLowerCase() : 'ko';
}

/** A translator over `messages` for one language: `t('table', { n: 3 })`; a missing label falls back to English. */
export function makeTranslator(messages, lang) {
  const table = messages[lang] || messages.ko;
  return (key, params = {}) => {
    const text = table[key] ?? messages.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

/**
 * Shows the page in `lang`: the document's language, every static label, and the toggle that offers the
 * other language (named in that language, for whoever reads it).
 */
export function showLanguage(lang, t, toggle) {
  document.documentElement.lang = lang;
  applyStaticText(document, t);
  toggle.textContent = t('otherLanguage');
  toggle.setAttribute('aria-label', t('switchLanguage'));
  toggle.setAttribute('lang', lang === 'ko' ? 'en' : 'ko');
}

/** Sets the text of every `[data-i18n]` element, and the label or placeholder of `[data-i18n-label]` / `-placeholder` ones. */
export function applyStaticText(root, t) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
}

/** KRW, an integer: `12,000원` in Korean, `₩12,000` in English; a negative amount keeps its sign. */
export function formatMoney(amount, lang) {
  const sign = amount < 0 ? '−' : '';
  const digits = Math.abs(Math.round(amount)).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-US');
  return lang === 'ko' ? `${sign}${digits}원` : `${sign}₩${digits}`;
}

/** The local time of day of an RFC 3339 timestamp, `14:05`. */
export function formatTime(iso, lang) {
  const locale = lang === 'ko' ? 'ko-KR' : 'en-GB';
  return new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
}

/** Date and time, for history: `12. 1. 14:05` / `1 Dec, 14:05`. */
export function formatDateTime(iso, lang) {
  const locale = lang === 'ko' ? 'ko-KR' : 'en-GB';
  const options = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false };
  return new Date(iso).toLocaleString(locale, options);
}

/** How long ago, coarse: `just now`, `5 min ago`, `2 h ago`. */
export function formatElapsed(iso, now, t) {
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return t('justNow');
  if (minutes < 60) return t('minutesAgo', { n: minutes });
  return t('hoursAgo', { n: Math.floor(minutes / 60) });
}
