/** Pulumi's runtime mocks, shared by the tests that register real resources without an engine. */
import * as pulumi from '@pulumi/pulumi';

/** Pending RPCs (a component's registerOutputs) must reach the mock monitor they were made for (@pulumi/pulumi runtime/settings.ts). */
export const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;

/** Install fresh mocks (`preview` as under `pulumi preview`); the array fills with every resource registered. */
export async function mockPulumi(preview: boolean): Promise<pulumi.runtime.MockResourceArgs[]> {
  await waitForRPCs();
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push(args);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: () => ({}),
  }, 'project', 'test', preview);
  return registered;
}
