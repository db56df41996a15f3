//! The Users screen: `#/users` is the list, `#/users/<id>` the user page. The two live in
//! `views/users/` (list, page, pure helpers, live reload); this file only routes between them
//! and loads their stylesheet.

import type { ViewProps } from "./props";
import { UserList } from "./users/UserList";
import { UserPage } from "./users/UserPage";
import "./users.css";

export function UsersView({ param, params }: ViewProps) {
  return param ? <UserPage key={param} id={param} /> : <UserList params={params} />;
}
