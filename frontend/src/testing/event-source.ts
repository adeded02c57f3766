/**
 * A stand-in for the browser's EventSource (jsdom has none): tests get the
 * streams a component opened and push named events into them.
 */
export class FakeEventSource extends EventTarget {
  static instances: FakeEventSource[] = [];
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  readonly url: string;

  constructor(url: string) {
    super();
    this.url = url;
    FakeEventSource.instances.push(this);
  }

  /** The stream opened last. */
  static latest(): FakeEventSource {
    const s = FakeEventSource.instances.at(-1);
    if (!s) throw new Error('no EventSource was opened');
    return s;
  }

  /** Delivers a named event with data (JSON-encoded). */
  emit(name: string, data: unknown) {
    this.dispatchEvent(new MessageEvent(name, { data: JSON.stringify(data) }));
  }

  /** Reports a broken connection, as the browser does before retrying. */
  fail() {
    this.onerror?.(new Event('error'));
  }

  close() {
    this.closed = true;
  }
}
