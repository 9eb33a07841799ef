import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

let sequence = 0;

/**
 * A modal confirmation (the native <dialog>: focus trapped, Escape closes, focus returns to the opener).
 * Its accessible name is its title; the form's submit confirms.
 */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  danger,
  busy,
  onConfirm,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useRef(`dialog-${++sequence}`).current;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={`${id}-title`} onClose={onClose} class="confirm">
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
        <div class="actions">
          <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy}>
            {confirmLabel}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
