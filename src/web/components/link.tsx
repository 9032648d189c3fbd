/** A link inside the UI: a real <a href> (open in a new tab works), moving without a reload on a plain click. */
import type { ComponentChildren } from "preact";
import { navigate } from "../router";

interface Props {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
  "aria-label"?: string;
  "aria-current"?: "page";
  [data: `data-${string}`]: string | undefined;
}

export function Link({ href, children, ...rest }: Props) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a {...rest} href={href} onClick={onClick}>
      {children}
    </a>
  );
}
