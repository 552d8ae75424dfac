import assert from 'node:assert/strict';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { fileDropRoot } from '../../gateway/transport/file-drop-root.js';

describe('fileDropRoot', () => {
  it('gives the local folder of a file: endpoint', () => {
    assert.equal(fileDropRoot('file:///srv/vkhid/drop/00022527'), '/srv/vkhid/drop/00022527');
    assert.equal(fileDropRoot('file:///srv/vkhid/drop/00022527/'), '/srv/vkhid/drop/00022527');
    assert.equal(fileDropRoot('file://localhost/srv/drop'), '/srv/drop');
    assert.equal(fileDropRoot('FILE:///srv/drop'), '/srv/drop');
    assert.equal(fileDropRoot('file:/srv/drop'), '/srv/drop');
    assert.equal(fileDropRoot('file:///srv/my%20drop'), '/srv/my drop');
    assert.equal(fileDropRoot('file:///srv/обмін'), '/srv/обмін');
    assert.equal(fileDropRoot('file:///srv/%D0%BE%D0%B1%D0%BC%D1%96%D0%BD'), '/srv/обмін');
  });

  it('says nothing about endpoints that are not file: URLs', () => {
    assert.equal(fileDropRoot('https://edms.example.gov.ua/vkhid'), undefined);
    assert.equal(fileDropRoot('/srv/drop'), undefined);
  });

  for (const endpoint of [
    'file://fileserver/share/drop',
    'file://127.0.0.1/srv/drop',
    'file:drop',
    'file:./drop',
    'file:///',
    'file://localhost/',
    'file:///srv/../etc',
    'file:///srv/drop/..',
    'file:///srv/%2e%2e/etc',
    'file:///srv/%2E%2E/etc',
    'file:///srv/./drop',
    'file:///srv//drop',
    'file:////srv/drop',
    'file:///srv/a%2Fb',
    'file:///srv/a%00b',
    'file:///srv/%zz',
    'file:///srv\\..\\etc',
    'file:///srv/drop?x=1',
    'file:///srv/drop#top',
    'file:///srv/dr\top',
  ]) {
    it(`refuses ${JSON.stringify(endpoint)}`, () => {
      assert.throws(
        () => fileDropRoot(endpoint),
        (error: unknown) =>
          error instanceof VkhidError && error.code === 'PARTICIPANT_INVALID' && error.field === 'endpoint',
      );
    });
  }
});
