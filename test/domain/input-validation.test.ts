import { afterEach, describe, expect, it } from '@jest/globals';
import { CallErrorCode } from '../../src/calls/call-errors.js';
import { FROM, answeredCall, callDomain, stopServices } from '../support/call-domain.js';

afterEach(stopServices);

describe('invalid input', () => {
  it('to createCall is refused with BAD_USER_INPUT naming each field, and nothing is stored or dialled', async () => {
    const domain = callDomain();
    const refusal = domain.service.createCall({
      from: '919-555-0100',
      to: 'somebody',
      audio: [{ fileUrl: 'ftp://audio.example/a.mp3' }],
      callTimeoutSeconds: 0,
    });

    await expect(refusal).rejects.toMatchObject({ code: CallErrorCode.BAD_USER_INPUT });
    const error = (await refusal.catch((e: unknown) => e)) as { details: { fields: Array<{ field: string }> } };
    const fields = error.details.fields;
    expect(fields.map((f) => f.field).sort()).toEqual(['audio.0.fileUrl', 'callTimeoutSeconds', 'from', 'to']);
    expect(await domain.store.listCalls({ first: 10 })).toEqual([]);
    expect(domain.gateway.requests).toEqual([]);
  });

  it('to playAudio is refused with BAD_USER_INPUT, and nothing is queued', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);

    await expect(domain.service.playAudio({ callId: call.id, fileUrl: 'https://audio.example/notes.txt' })).rejects.toMatchObject({
      code: CallErrorCode.BAD_USER_INPUT,
      details: { fields: [{ field: 'fileUrl' }] },
    });
    expect(await domain.store.listPlaybacks(call.id)).toEqual([]);
  });

  it('accepts a sip: URI as the destination', async () => {
    const domain = callDomain();
    const call = await domain.service.createCall({ from: FROM, to: 'sip:desk@pbx.example' });

    expect(call).toMatchObject({ state: 'RINGING', to: 'sip:desk@pbx.example' });
  });
});
