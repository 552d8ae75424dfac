import type { AppealKind, Channel, Urgency } from '../../gateway/envelope/envelope-model.js';

/**
 * The fixed vocabulary of xdms 2.6 (IEDMS.xsd, namespace http://www.infpres.com/IEDMS). The schema's
 * enumerations are Russian and are written exactly as enumerated: an xdms system compares them literally.
 */

export const XDMS_NAMESPACE = 'http://www.infpres.com/IEDMS';
export const XDMS_VERSION = '2.6';

/** header/@type. */
export const MESSAGE_KIND = {
  document: 'Документ',
  notification: 'Уведомление',
  acknowledgment: 'Квитанция',
} as const;

/** notification/@type and the child element each one must carry. */
export const NOTIFICATION_TYPES = {
  documentAccepted: 'Зарегистрирован',
  documentRefused: 'Отказано в регистрации',
  executorAssigned: 'Назначен исполнитель',
  reportPrepared: 'Доклад подготовлен',
  reportSent: 'Доклад направлен',
  courseChanged: 'Исполнение',
  documentPublished: 'Опубликование',
} as const;
export type NotificationElement = keyof typeof NOTIFICATION_TYPES;

/** associatedFile/group. */
export const FILE_GROUP = {
  text: 'Текст документа',
  enclosure: 'Текст приложения',
  data: 'Данные',
} as const;

/** linkType values that make a document the answer to the linked one. */
export const ANSWER_LINK_TYPES: readonly string[] = ['В ответ на', 'Ответ'];
export const ANSWER_LINK_TYPE = 'В ответ на';

/** documentNumber/number for a document without a registration number («без номера»). */
export const NO_NUMBER = 'б/н';

/**
 * reasonForRejection, with the stable ASCII code the canonical Refused/Code carries for each (the canonical
 * Code is `[A-Za-z0-9._-]{1,64}`, so the Russian text itself cannot be the code).
 */
export const REFUSAL_REASONS: Readonly<Record<string, string>> = {
  'not-registrable': 'Не подлежит регистрации',
  'addressing-error': 'Ошибка адресации',
  'no-correspondent': 'Не указан корреспондент',
  'no-statement-of-claim': 'Нет искового заявления',
  'text-absent': 'Отсутствует текст',
  'no-signature': 'Нет подписи',
  'enclosure-absent': 'Приложение отсутствует',
  'enclosure-pages-wrong': 'Листаж приложения указан ошибочно',
  'enclosure-details-mismatch': 'Несовпадение реквизитов приложения с приложенными документами',
  'no-number-and-date': 'Нет № и даты',
  incomplete: 'Не полная комплектация',
  'date-illegible': 'Дата документа неразборчива',
  'number-illegible': 'Исходящий номер документа неразборчив',
  'signature-not-visible': 'Отсутствует (не видна) подпись',
  'pages-upside-down': 'Перевернуты страницы',
  'pages-duplicated': 'Продублированы страницы',
  'enclosure-is-draft-act': 'В приложении проект нормативного акта',
  'for-official-use': 'Документ ДСП',
  'scanned-with-reverse': 'Документ и/или приложение отсканированы с оборотом',
  'wrongly-addressed': 'Документ неверно адресован',
  'received-on-paper': 'Документ получен ранее на бумажном носителе',
  'registered-earlier-text-replaced': 'Документ зарегистрирован ранее, текст взамен разосланного загружен',
  'page-count-mismatch': 'Количество страниц в тексте документа не соответствует заявленному',
  'details-mismatch-text': 'Несоответствие переданных реквизитов тексту документа',
  'referenced-enclosure-absent': 'Отсутствует приложение, указанное в документе',
  'text-illegible': 'Текст неразборчив',
  'text-missing': 'Текст отсутствует',
  'text-not-per-regulations': 'Текст не соответствует регламенту',
};

export function refusalCodeOf(reason: string): string | undefined {
  for (const [code, text] of Object.entries(REFUSAL_REASONS)) if (text === reason) return code;
  return undefined;
}

/** document/kind: the @id is the canonical kind, the text what an xdms clerk reads. */
export const KIND_LABELS: Readonly<Record<AppealKind, string>> = {
  'citizen-appeal': 'Звернення громадянина',
  'public-info-request': 'Запит на публічну інформацію',
  'sensitive-report': 'Повідомлення з обмеженим доступом',
};

/** document/type: the channel the appeal came in by (@id canonical, text for people). */
export const CHANNEL_LABELS: Readonly<Record<Channel, string>> = {
  hotline: 'Надійшло гарячою лінією',
  web: 'Надійшло через вебсайт',
  email: 'Надійшло електронною поштою',
  post: 'Надійшло поштою',
  'in-person': 'Надійшло на особистому прийомі',
};

/** document/urgency. */
export const URGENCY_LABELS: Readonly<Record<Urgency, string>> = {
  normal: 'Звичайна',
  urgent: 'Термінова',
};

/** document/classification, written only for restricted-access appeals. */
export const RESTRICTED_ID = 'restricted';
export const RESTRICTED_LABEL = 'Для службового користування';

/** associatedFile/@type for the media types it has a value for. */
export const FILE_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/tiff': 'tif',
  'application/msword': 'doc',
  'text/plain': 'txt',
  'application/xml': 'xml',
};
export const MEDIA_TYPES_OF_FILE_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  tif: 'image/tiff',
  doc: 'application/msword',
  txt: 'text/plain',
  xml: 'application/xml',
};
