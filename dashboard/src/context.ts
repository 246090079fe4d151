// The page's services for components (built once in main.tsx; tests of stores build their own).
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Services } from "./services";

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("ServicesContext is not provided");
  return services;
}
