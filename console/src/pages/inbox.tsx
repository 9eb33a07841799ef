import { PlaceholderPage } from './placeholder';

export function InboxPage() {
  return <PlaceholderPage title="Inbox" />;
}
