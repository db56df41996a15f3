/** What every screen receives from the router: the id after the screen name and the query. */
export interface ViewProps {
  param: string | null;
  params: URLSearchParams;
}
