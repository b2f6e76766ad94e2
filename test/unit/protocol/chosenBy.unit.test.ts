// What chose a suggestion, as the Next trial panel's card and the CLI show it (protocol/format.ts chosenByText).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chosenByText } from '../../../src/protocol/format';

test('a scored acquisition shows its name, score and meaning; choices without a score say what they are', () => {
  assert.deepEqual(chosenByText({ acquisition: 'mes', acquisitionValue: 0.01234 }, '1B'), { scored: true, value: 'MES 0.0123', note: 'information about the target optimum per unit cost' });
  assert.equal(chosenByText({ acquisition: 'ucb', acquisitionValue: -2.5 }, '1B').note, 'lower confidence bound');
  // the engine gives these a score of 0 or NaN, which must not be shown as a value
  const recommended = chosenByText({ acquisition: 'recommendation', acquisitionValue: 0, recommended: true }, '7B');
  assert.equal(recommended.scored, false);
  assert.equal(recommended.value, 'Recommended mixture');
  assert.match(recommended.note, /no 7B run yet/);
  assert.equal(chosenByText({ acquisition: 'sobol', acquisitionValue: 0, firstDesign: true }, '1B').value, 'First design');
  assert.equal(chosenByText({ acquisition: 'recorded', acquisitionValue: Number.NaN }, '1B').value, 'Recorded');
  for (const s of [recommended, chosenByText({ acquisition: 'recorded', acquisitionValue: Number.NaN }, '1B')]) assert.doesNotMatch(s.value, /\d|NaN|—/);
});
