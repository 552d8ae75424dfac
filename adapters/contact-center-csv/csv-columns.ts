import type {
  AnswerResult,
  AppealKind,
  Channel,
  MessageType,
  ReceiptOutcomeKind,
  RedirectReason,
  StatusOutcomeKind,
  Urgency,
} from '../../gateway/envelope/envelope-model.js';

/**
 * The columns of the contact center's CSV files and the words written in them. Column names are settings
 * (`columns`), with the Ukrainian headings of the contact center's own export as defaults; values are written
 * as Ukrainian words and read as those words or as the canonical codes (`hotline`, `urgent`...), so a file
 * produced by another tool with English codes is read too.
 */

/** Columns of an appeal row (the contact center's export of routed appeals), in the order they are written. */
export const APPEAL_COLUMNS = [
  'messageId',
  'createdAt',
  'tracking',
  'receivedAt',
  'channel',
  'kind',
  'urgency',
  'restrictedAccess',
  'noAdditionalStudy',
  'fullName',
  'phones',
  'emails',
  'address',
  'consentDisclosure',
  'consentPersonalData',
  'category',
  'subject',
  'text',
  'target',
  'basis',
  'deadline',
  'attachments',
] as const;
export type AppealColumn = (typeof APPEAL_COLUMNS)[number];

/**
 * Appeal columns a file must have. The others may be left out of the header altogether: the message id is
 * then derived from the row, the creation time is the reception time, and lists and optional fields are empty.
 */
export const REQUIRED_APPEAL_COLUMNS: readonly AppealColumn[] = [
  'tracking',
  'receivedAt',
  'channel',
  'kind',
  'urgency',
  'restrictedAccess',
  'fullName',
  'consentDisclosure',
  'consentPersonalData',
  'category',
  'subject',
  'text',
  'target',
  'basis',
  'deadline',
];

/** Columns of the rows sent back to the contact center: receipts, statuses, answers and errors share them. */
export const REPLY_COLUMNS = [
  'messageId',
  'type',
  'createdAt',
  'sender',
  'tracking',
  'inReplyTo',
  'messageRef',
  'event',
  'eventAt',
  'registrationNumber',
  'registrationDate',
  'newDeadline',
  'redirectedTo',
  'redirectReason',
  'code',
  'reason',
  'comment',
  'signatory',
  'answerText',
  'attachments',
] as const;
export type ReplyColumn = (typeof REPLY_COLUMNS)[number];

export type ColumnKey = AppealColumn | ReplyColumn;

/** Default headings. A key shared by both sets (messageId, tracking...) has one heading in both. */
export const DEFAULT_COLUMN_NAMES: Readonly<Record<ColumnKey, string>> = {
  messageId: 'Ідентифікатор повідомлення',
  createdAt: 'Дата створення повідомлення',
  tracking: 'Номер звернення',
  receivedAt: 'Дата надходження',
  channel: 'Канал надходження',
  kind: 'Вид звернення',
  urgency: 'Терміновість',
  restrictedAccess: 'Обмежений доступ',
  noAdditionalStudy: 'Без додаткового вивчення',
  fullName: 'ПІБ заявника',
  phones: 'Телефони',
  emails: 'Електронні адреси',
  address: 'Адреса заявника',
  consentDisclosure: 'Згода на розголошення',
  consentPersonalData: 'Згода на обробку персональних даних',
  category: 'Категорія',
  subject: 'Тема',
  text: 'Текст звернення',
  target: 'Код ЄДРПОУ адресата',
  basis: 'Підстава направлення',
  deadline: 'Граничний строк розгляду',
  attachments: 'Додатки',
  type: 'Тип повідомлення',
  sender: 'Код ЄДРПОУ відправника',
  inReplyTo: 'У відповідь на',
  messageRef: 'Стосується повідомлення',
  event: 'Подія',
  eventAt: 'Дата події',
  registrationNumber: 'Реєстраційний номер',
  registrationDate: 'Дата реєстрації',
  newDeadline: 'Новий строк розгляду',
  redirectedTo: 'Переадресовано до (ЄДРПОУ)',
  redirectReason: 'Підстава переадресації',
  code: 'Код',
  reason: 'Причина',
  comment: 'Коментар',
  signatory: 'Підписант',
  answerText: 'Текст відповіді',
};

export const ALL_COLUMN_KEYS = Object.keys(DEFAULT_COLUMN_NAMES) as ColumnKey[];

/** A canonical code and the Ukrainian word the contact center's files use for it. */
type Labels<T extends string> = Readonly<Record<T, string>>;

export const KIND_LABELS: Labels<AppealKind> = {
  'citizen-appeal': 'звернення громадянина',
  'public-info-request': 'запит на інформацію',
  'sensitive-report': 'чутливе повідомлення',
};

export const CHANNEL_LABELS: Labels<Channel> = {
  hotline: 'гаряча лінія',
  web: 'веб-сайт',
  email: 'електронна пошта',
  post: 'пошта',
  'in-person': 'особистий прийом',
};

export const URGENCY_LABELS: Labels<Urgency> = { normal: 'звичайне', urgent: 'термінове' };

export const TYPE_LABELS: Labels<MessageType> = {
  appeal: 'звернення',
  receipt: 'квитанція',
  status: 'статус',
  answer: 'відповідь',
  error: 'помилка',
};

export const RECEIPT_LABELS: Labels<ReceiptOutcomeKind> = {
  delivered: 'доставлено',
  accepted: 'прийнято',
  registered: 'зареєстровано',
  refused: 'відмовлено у прийнятті',
};

export const STATUS_LABELS: Labels<StatusOutcomeKind> = {
  'under-consideration': 'на розгляді',
  'deadline-extended': 'строк продовжено',
  redirected: 'переадресовано',
  answered: 'надано відповідь',
};

export const RESULT_LABELS: Labels<AnswerResult> = {
  satisfied: 'задоволено',
  'partially-satisfied': 'задоволено частково',
  explained: 'надано роз’яснення',
  refused: 'відмовлено',
};

export const REDIRECT_LABELS: Labels<RedirectReason> = {
  'not-within-competence': 'не належить до повноважень',
  'partially-within-competence': 'частково належить до повноважень',
  other: 'інше',
};

export const TRUE_WORD = 'так';
export const FALSE_WORD = 'ні';
