import { Button, Group } from '@mantine/core';

type FormActionsProps = {
  onCancel: () => void;
  /** The submit button's label, e.g. "Create token". */
  submitLabel: string;
  pending?: boolean;
  disabled?: boolean;
};

/** A form's closing row: Cancel, then the submit button (busy while the request runs). */
export function FormActions({ onCancel, submitLabel, pending = false, disabled = false }: FormActionsProps) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" loading={pending} disabled={disabled}>
        {submitLabel}
      </Button>
    </Group>
  );
}
