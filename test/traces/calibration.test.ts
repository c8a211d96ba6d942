import { describe, expect, it } from 'vitest';
import { defaultAzureTracePath, measureAzureCalibration } from '../../bench/calibrate-azure.js';
import { AZURE_CONV_CALIBRATION } from '../../src/traces/synthetic.js';
import { haveData } from './helpers.js';

describe.skipIf(!haveData('llm-inference/AzureLLMInferenceTrace_conv.csv'))('Azure calibration constants', () => {
  it('match what bench/calibrate-azure.ts measures on the real trace', async () => {
    const measured = await measureAzureCalibration(defaultAzureTracePath());
    expect(measured).toEqual(AZURE_CONV_CALIBRATION);
  });
});
