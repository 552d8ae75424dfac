import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XDMS_PACKAGE_MEDIA_TYPE } from '../adapters/medo-xdms/medo-xdms-adapter.js';
import { newStats, type AgencyReader } from './agency-adapter.js';
import { AGENCIES, CONTACT_CENTER } from './demo-participants.js';
import { followUps, type PlannedAppeal } from './demo-plan.js';
import { isoSeconds, kyivDay } from './demo-time.js';

const AGENCY = AGENCIES.xdms;

/** The xdms notifications agency B writes, in the order it writes them for one appeal. */
type Notice = 'registered' | 'refused' | 'executor-assigned' | 'report-sent';

/** The notification's xdms type and its element. */
const NOTICE_TYPES: Record<Notice, { type: string; element: string }> = {
  registered: { type: 'Зарегистрирован', element: 'documentAccepted' },
  refused: { type: 'Отказано в регистрации', element: 'documentRefused' },
  'executor-assigned': { type: 'Назначен исполнитель', element: 'executorAssigned' },
  'report-sent': { type: 'Доклад направлен', element: 'reportSent' },
};

interface AppealAtB {
  readonly plan: PlannedAppeal;
  readonly messageId: string;
  readonly notices: Notice[];
  next: number;
  /** The file written to out/ that the hub has not yet taken. */
  pending?: string;
  registration: { number: string; date: string };
}

function noticeXml(notice: Notice, appeal: AppealAtB): string {
  const { type, element } = NOTICE_TYPES[notice];
  const now = isoSeconds(new Date());
  const { tracking, receivedAt } = appeal.plan;
  const num = (number: string, date: string) =>
    `<xdms:num><xdms:number>${number}</xdms:number><xdms:date>${date}</xdms:date></xdms:num>`;
  const details: Record<Notice, string> = {
    registered: num(appeal.registration.number, appeal.registration.date),
    refused: '<xdms:reason>Документ неверно адресован</xdms:reason>',
    'executor-assigned':
      '<xdms:secretary><xdms:person>Заступник міністра (демо)</xdms:person></xdms:secretary>' +
      '<xdms:manager><xdms:department>Департамент звернень громадян</xdms:department></xdms:manager>' +
      '<xdms:executor><xdms:department>Відділ звернень громадян</xdms:department>' +
      '<xdms:post>Головний спеціаліст</xdms:post></xdms:executor>',
    'report-sent': `<xdms:report><xdms:organization>${AGENCY.name}</xdms:organization>${num(
      `Б-ВИХ-${appeal.plan.index + 1}`,
      kyivDay(new Date()),
    )}</xdms:report>`,
  };
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<xdms:communication xmlns:xdms="http://www.infpres.com/IEDMS" xdms:version="2.6">\n` +
    `  <xdms:header xdms:type="Уведомление" xdms:uid="${randomUUID()}" xdms:created="${now}">\n` +
    `    <xdms:source xdms:uid="9b0e7a52-3c41-4e8a-b7d2-5a6f1e3c9d84">` +
    `<xdms:organization>${AGENCY.name}</xdms:organization></xdms:source>\n` +
    `  </xdms:header>\n` +
    `  <xdms:notification xdms:type="${type}" xdms:uid="${appeal.messageId}" xdms:id="${tracking}" xdms:mid="${appeal.messageId}">\n` +
    `    <xdms:${element}>\n` +
    `      <xdms:time>${now}</xdms:time>\n` +
    `      <xdms:foundation><xdms:organization xdms:id="${CONTACT_CENTER.code}">${CONTACT_CENTER.name}</xdms:organization>` +
    `${num(tracking, kyivDay(receivedAt))}</xdms:foundation>\n` +
    `      <xdms:correspondent><xdms:organization xdms:id="${AGENCY.code}">${AGENCY.name}</xdms:organization></xdms:correspondent>\n` +
    `      ${details[notice]}\n` +
    `    </xdms:${element}>\n` +
    `  </xdms:notification>\n` +
    `</xdms:communication>\n`
  );
}

/**
 * Agency B's МЕДО xdms gateway on a drop folder. It takes the packages the hub writes to `in/` and answers
 * with xdms notifications written to `out/` (under a temporary name, then renamed, as a gateway does):
 * «Зарегистрирован» with its number (or «Отказано в регистрации»), «Назначен исполнитель» when an executor
 * works on it, «Доклад направлен» when the answer is sent. Every step is native: the hub reads them with the
 * medo-xdms adapter. One notification per appeal is in `out/` at a time: the next is written once the hub has
 * taken the previous (moved it to `sent/`), so the hub sees them in order.
 */
export class XdmsAgency {
  readonly stats = newStats();
  readonly failures: string[] = [];
  private readonly appeals = new Map<string, AppealAtB>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly root: string,
    private readonly plans: ReadonlyMap<string, PlannedAppeal>,
    private readonly reader: AgencyReader,
  ) {
    for (const folder of ['in', 'out', 'sent', 'failed']) mkdirSync(join(root, folder), { recursive: true });
  }

  start(intervalMs = 40): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.tick()
        .catch((error: unknown) => this.failures.push(`agency B: ${(error as Error).message}`))
        .finally(() => {
          this.busy = false;
        });
    }, intervalMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** Whether every appeal B took has had all its notifications taken by the hub. */
  get idle(): boolean {
    return [...this.appeals.values()].every((a) => a.next >= a.notices.length && a.pending === undefined);
  }

  private async tick(): Promise<void> {
    await this.takeDeliveries();
    for (const appeal of this.appeals.values()) this.advance(appeal);
  }

  private async takeDeliveries(): Promise<void> {
    const inbox = join(this.root, 'in');
    for (const name of readdirSync(inbox)) {
      // Files still being written by the hub carry a temporary name.
      if (name.startsWith('.') || name.endsWith('.tmp')) continue;
      const path = join(inbox, name);
      const envelope = await this.reader.read({
        bytes: readFileSync(path),
        mediaType: XDMS_PACKAGE_MEDIA_TYPE,
      });
      rmSync(path);
      const { tracking, messageId } = envelope.header;
      const plan = tracking === undefined ? undefined : this.plans.get(tracking);
      if (plan === undefined) {
        this.failures.push(`agency B: a package for an unknown appeal ${tracking ?? '(no tracking)'}`);
        continue;
      }
      this.stats.received += 1;
      if (this.appeals.has(messageId)) {
        this.stats.repeats += 1;
        continue;
      }
      const refused = plan.scenario === 'refused';
      if (refused) this.stats.refused += 1;
      else this.stats.registered += 1;
      const notices: Notice[] = refused
        ? ['refused']
        : [
            'registered',
            ...followUps(plan.scenario, false).map((step): Notice => {
              if (step === 'consider') return 'executor-assigned';
              if (step === 'answer') return 'report-sent';
              throw new Error(`agency B cannot ${step} in xdms`);
            }),
          ];
      this.appeals.set(messageId, {
        plan,
        messageId,
        notices,
        next: 0,
        registration: { number: `Б-${this.stats.registered}/вх`, date: kyivDay(new Date()) },
      });
    }
  }

  private advance(appeal: AppealAtB): void {
    if (appeal.pending !== undefined) {
      if (existsSync(join(this.root, 'sent', appeal.pending))) {
        appeal.pending = undefined;
      } else if (existsSync(join(this.root, 'failed', appeal.pending))) {
        const why = join(this.root, 'failed', `${appeal.pending}.error.json`);
        this.failures.push(
          `agency B, ${appeal.plan.tracking}: the hub refused ${appeal.pending}` +
            (existsSync(why) ? `: ${oneLine(readFileSync(why, 'utf8'))}` : ''),
        );
        appeal.pending = undefined;
        appeal.next = appeal.notices.length;
        return;
      } else {
        return;
      }
    }
    const notice = appeal.notices[appeal.next];
    if (notice === undefined) return;
    const name = `${appeal.plan.tracking}-${appeal.next + 1}-${notice}.xml`;
    const temporary = join(this.root, 'out', `.${name}.tmp`);
    writeFileSync(temporary, noticeXml(notice, appeal));
    renameSync(temporary, join(this.root, 'out', name));
    appeal.pending = name;
    appeal.next += 1;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
