// engineInfo written in every commitInfo: "shori-realtime/<package version>".
import pkg from '../../../../package.json' with { type: 'json' };

export const ENGINE_INFO = `shori-realtime/${(pkg as { version: string }).version}`;
