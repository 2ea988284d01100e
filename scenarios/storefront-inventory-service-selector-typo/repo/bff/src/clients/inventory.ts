import axios, { type AxiosInstance } from 'axios';
import type { Logger } from 'pino';

export interface Stock {
  sku: string;
  available: number;
  warehouse: string;
}

/** Client of the inventory service; a failure bubbles up as a 502 for the product page. */
export class InventoryClient {
  private readonly http: AxiosInstance;

  constructor(baseURL = process.env.INVENTORY_URL ?? 'http://inventory:8080', private readonly log?: Logger) {
    this.http = axios.create({ baseURL, timeout: 2000 });
  }

  async stock(sku: string): Promise<Stock> {
    const response = await this.http.get<Stock>(`/v1/stock/${encodeURIComponent(sku)}`);
    return response.data;
  }
}
