import { PlaceholderPage } from './placeholder';

export const ReviewExternalActionPage = ({ id }: { id: string }) => (
  <PlaceholderPage title={`Review ${id}`} />
);
export const ReviewApprovalPage = ({ id }: { id: string }) => <PlaceholderPage title={`Review ${id}`} />;
export const ReviewGovernancePage = ({ id }: { id: string }) => <PlaceholderPage title={`Review ${id}`} />;
