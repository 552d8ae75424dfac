import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../gateway/observability/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('the logger', () => {
  it('censors personal data wherever an appeal is logged', () => {
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream });
    log.info(
      {
        envelope: {
          header: { messageId: 'm-1', sender: '00015622' },
          body: {
            appeal: {
              applicant: { fullName: 'Шевченко Олена', contacts: { phones: ['+380441234567'] } },
              text: 'Прошу...',
            },
          },
        },
        fullName: 'Шевченко Олена',
      },
      'accepted',
    );
    const [line] = lines();
    const serialised = JSON.stringify(line);
    assert.ok(!serialised.includes('Шевченко'), serialised);
    assert.ok(!serialised.includes('+380441234567'), serialised);
    assert.ok(!serialised.includes('Прошу'), serialised);
    // What is not personal stays readable: operators need the message id and the sender.
    assert.ok(serialised.includes('m-1') && serialised.includes('00015622'), serialised);
    assert.equal(line?.fullName, '[personal data]');
  });

  it('censors credentials', () => {
    const { stream, lines } = capture();
    createLogger({ destination: stream }).info(
      { req: { headers: { authorization: 'Bearer secret-token' } }, password: 'p@ss' },
      'request',
    );
    const serialised = JSON.stringify(lines()[0]);
    assert.ok(!serialised.includes('secret-token') && !serialised.includes('p@ss'), serialised);
  });
});
