// Labels in Korean and English, and the formats that depend on the language (money, times).

const messages = {
  ko: {
    appTitle: '실시간 주문 현황',
    skip: '주문 목록으로 건너뛰기',
    switchLanguage: 'Switch to English',
    otherLanguage: 'English',
    signInTitle: '직원 로그인',
    signInHint: '매장 관리자 계정으로 로그인하세요.',
    storeId: '매장 ID',
    username: '아이디',
    password: '비밀번호',
    signIn: '로그인',
    signingIn: '로그인 중…',
    logout: '로그아웃',
    'connection.connecting': '연결 중…',
    'connection.live': '실시간',
    'connection.reconnecting': '다시 연결 중…',
    'connection.offline': '연결 끊김',
    'count.pending': '대기 {n}',
    'count.preparing': '준비 중 {n}',
    tablesHeading: '주문이 있는 테이블',
    empty: '진행 중인 주문이 없습니다. 새 주문이 들어오면 여기에 표시됩니다.',
    idleTables: '주문이 없는 테이블 (이용 내역)',
    table: '테이블 {n}',
    total: '합계',
    orderCount: '주문 {n}건',
    orderCountOne: '주문 1건',
    'status.pending': '접수 대기',
    'status.preparing': '준비 중',
    'status.completed': '완료',
    'status.cancelled': '취소됨',
    'move.preparing': '준비 시작',
    'move.completed': '완료 처리',
    'move.cancelled': '취소',
    cancelOrder: '주문 취소',
    moveLabel: '테이블 {n} 주문 {id}: {action}',
    delete: '삭제',
    deleteLabel: '테이블 {n} 주문 {id} 삭제',
    history: '이용 내역',
    historyLabel: '테이블 {n} 이용 내역',
    completeSession: '이용 완료',
    completeLabel: '이용 완료: 테이블 {n}',
    new: '신규',
    note: '요청사항',
    justNow: '방금',
    minutesAgo: '{n}분 전',
    hoursAgo: '{n}시간 전',
    back: '돌아가기',
    'confirm.cancelled': '테이블 {n}의 주문 {id}을(를) 취소할까요?',
    'confirm.delete': '테이블 {n}의 주문 {id}을(를) 삭제할까요? 이용 내역에는 삭제됨으로 남습니다.',
    'confirm.complete': '테이블 {n}의 이용을 완료할까요? 주문 합계 {total}은(는) 이용 내역으로 옮겨지고 테이블은 비워집니다.',
    'toast.newOrder': '새 주문 · 테이블 {n}',
    'toast.rejected': '주문 {id}을(를) ‘{requested}’(으)로 바꾸지 못했습니다. 이미 ‘{current}’ 상태입니다.',
    'toast.reloaded': '주문 목록을 다시 불러왔습니다.',
    'error.INVALID_CREDENTIALS': '매장 ID, 아이디 또는 비밀번호가 올바르지 않습니다.',
    'error.RATE_LIMIT_EXCEEDED': '요청이 너무 많습니다. {s}초 후에 다시 시도하세요.',
    'error.INVALID_TRANSITION': '이 주문은 이미 다른 상태로 바뀌었습니다.',
    'error.NOT_FOUND': '주문 또는 테이블이 더 이상 없습니다.',
    'error.SERVICE_UNAVAILABLE': '서버가 바쁩니다. 잠시 후 다시 시도하세요.',
    'error.NETWORK': '서버에 연결할 수 없습니다.',
    'error.VALIDATION_ERROR': '입력값을 확인하세요.',
    'error.generic': '오류가 발생했습니다 ({code}).',
    sessionExpired: '로그인이 만료되었습니다. 다시 로그인하세요.',
    'history.title': '테이블 {n} 이용 내역',
    'history.from': '시작일',
    'history.to': '종료일',
    'history.load': '조회',
    'history.close': '닫기',
    'history.empty': '이 기간에 지난 이용 내역이 없습니다.',
    'history.loading': '불러오는 중…',
    'history.deleted': '삭제됨',
    'history.session': '{start} – {end}',
  },
  en: {
    appTitle: 'Live orders',
    skip: 'Skip to the orders',
    switchLanguage: '한국어로 전환',
    otherLanguage: '한국어',
    signInTitle: 'Staff sign-in',
    signInHint: "Sign in with your store's admin account.",
    storeId: 'Store ID',
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    logout: 'Log out',
    'connection.connecting': 'Connecting…',
    'connection.live': 'Live',
    'connection.reconnecting': 'Reconnecting…',
    'connection.offline': 'Offline',
    'count.pending': '{n} pending',
    'count.preparing': '{n} preparing',
    tablesHeading: 'Tables with open orders',
    empty: 'No open orders. New orders appear here as they arrive.',
    idleTables: 'Tables without open orders (history)',
    table: 'Table {n}',
    total: 'Total',
    orderCount: '{n} orders',
    orderCountOne: '1 order',
    'status.pending': 'Pending',
    'status.preparing': 'Preparing',
    'status.completed': 'Completed',
    'status.cancelled': 'Cancelled',
    'move.preparing': 'Start preparing',
    'move.completed': 'Complete',
    'move.cancelled': 'Cancel',
    cancelOrder: 'Cancel order',
    moveLabel: 'Table {n}, order {id}: {action}',
    delete: 'Delete',
    deleteLabel: 'Delete order {id} of table {n}',
    history: 'History',
    historyLabel: 'History of table {n}',
    completeSession: 'Complete session',
    completeLabel: 'Complete session: table {n}',
    new: 'New',
    note: 'Note',
    justNow: 'just now',
    minutesAgo: '{n} min ago',
    hoursAgo: '{n} h ago',
    back: 'Go back',
    'confirm.cancelled': 'Cancel order {id} of table {n}?',
    'confirm.delete': 'Delete order {id} of table {n}? It stays in the history, marked deleted.',
    'confirm.complete': 'Complete the session of table {n}? Its orders ({total}) move to the history and the table starts empty.',
    'toast.newOrder': 'New order · Table {n}',
    'toast.rejected': 'Order {id} could not move to “{requested}”: it is already “{current}”.',
    'toast.reloaded': 'Reloaded the orders.',
    'error.INVALID_CREDENTIALS': 'Wrong store ID, username or password.',
    'error.RATE_LIMIT_EXCEEDED': 'Too many requests. Try again in {s} s.',
    'error.INVALID_TRANSITION': 'This order has already moved on.',
    'error.NOT_FOUND': 'This order or table no longer exists.',
    'error.SERVICE_UNAVAILABLE': 'The service is busy. Try again in a moment.',
    'error.NETWORK': 'Cannot reach the server.',
    'error.VALIDATION_ERROR': 'Please check the fields.',
    'error.generic': 'Something went wrong ({code}).',
    sessionExpired: 'Your session has ended. Please sign in again.',
    'history.title': 'Table {n} · History',
    'history.from': 'From',
    'history.to': 'To',
    'history.load': 'Show',
    'history.close': 'Close',
    'history.empty': 'No past sessions in this period.',
    'history.loading': 'Loading…',
    'history.deleted': 'Deleted',
    'history.session': '{start} – {end}',
  },
};

export const languages = Object.keys(messages);

/** The language to start in: the one saved, else the browser's, else Korean. */
export function preferredLanguage(saved, browserLanguages) {
  if (languages.includes(saved)) return saved;
  const first = (browserLanguages || []).find((tag) => languages.includes(tag.slice(0, 2).toLowerCase()));
  return first ? first.slice(0, 2).toLowerCase() : 'ko';
}

/** A translator for one language: `t('table', { n: 3 })`. */
export function translator(lang) {
  const table = messages[lang] || messages.ko;
  return (key, params = {}) => {
    const text = table[key] ?? messages.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

/** Sets the text of every `[data-i18n]` element and the label of every `[data-i18n-label]` one. */
export function applyStaticText(root, t) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
}

/** KRW, an integer: `12,000원` in Korean, `₩12,000` in English. */
export function formatMoney(amount, lang) {
  const digits = Math.round(amount).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-US');
  return lang === 'ko' ? `${digits}원` : `₩${digits}`;
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
