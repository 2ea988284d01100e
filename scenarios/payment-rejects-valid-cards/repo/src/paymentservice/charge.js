// Copyright 2018 Google LLC
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//      http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

const { v4: uuidv4 } = require('uuid');
const pino = require('pino');

const logger = pino({
  name: 'paymentservice-charge',
  messageKey: 'message',
  formatters: {
    level (logLevelString, logLevelNum) {
      return { severity: logLevelString };
    }
  }
});

class CreditCardError extends Error {
  constructor (message) {
    super(message);
    this.code = 400; // Invalid argument error
  }
}

class InvalidCreditCard extends CreditCardError {
  constructor (cardType) {
    super(`Credit card info is invalid`);
  }
}

class UnacceptedCreditCard extends CreditCardError {
  constructor (cardType) {
    super(`Sorry, we cannot process ${cardType} credit cards. Only VISA or MasterCard is accepted.`);
  }
}

class ExpiredCreditCard extends CreditCardError {
  constructor (number, month, year) {
    super(`Your credit card (ending ${number.substr(-4)}) expired on ${month}/${year}`);
  }
}

// Issuer identification by prefix and length (ISO/IEC 7812). Order matters: the first match wins.
const CARD_TYPES = [
  { type: 'visa', pattern: /^4(\d{12}|\d{15}|\d{18})$/ },
  { type: 'mastercard', pattern: /^(5[1-5]\d{14}|2(22[1-9]|2[3-9]\d|[3-6]\d{2}|7[01]\d|720)\d{12})$/ },
  { type: 'amex', pattern: /^3[47]\d{13}$/ },
  { type: 'dinersclub', pattern: /^3(0[0-5]|[689]\d)\d{11,16}$/ },
  { type: 'discover', pattern: /^6(011|5\d{2}|4[4-9]\d)\d{12,15}$/ },
  { type: 'jcb', pattern: /^35(2[89]|[3-8]\d)\d{12,15}$/ }
];

function cardTypeOf (digits) {
  const match = CARD_TYPES.find(({ pattern }) => pattern.test(digits));
  return match ? match.type : 'unknown';
}

/**
 * Luhn (mod 10) check: starting from the rightmost digit, double every second digit,
 * subtract 9 from any result above 9, and the total must be a multiple of 10.
 *
 * @param {string} digits  card number, digits only
 * @return {boolean}
 */
function luhnValid (digits) {
  let sum = 0;
  let doubleIt = true;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (doubleIt) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    doubleIt = !doubleIt;
  }
  return sum % 10 === 0;
}

/**
 * Verifies the credit card number and (pretend) charges the card.
 *
 * @param {*} request
 * @return transaction_id - a random uuid.
 */
module.exports = function charge (request) {
  const { amount, credit_card: creditCard } = request;
  const cardNumber = creditCard.credit_card_number;
  const digits = cardNumber.replace(/[\s-]/g, '');

  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) {
    throw new InvalidCreditCard();
  }

  // Only VISA and mastercard is accepted, other card types (AMEX, dinersclub) will
  // throw UnacceptedCreditCard error.
  const cardType = cardTypeOf(digits);
  if (!(cardType === 'visa' || cardType === 'mastercard')) { throw new UnacceptedCreditCard(cardType); }

  // Also validate expiration is > today.
  const currentMonth = new Date().getMonth() + 1;
  const currentYear = new Date().getFullYear();
  const { credit_card_expiration_year: year, credit_card_expiration_month: month } = creditCard;
  if ((currentYear * 12 + currentMonth) > (year * 12 + month)) { throw new ExpiredCreditCard(digits, month, year); }

  logger.info(`Transaction processed: ${cardType} ending ${digits.substr(-4)} \
    Amount: ${amount.currency_code}${amount.units}.${amount.nanos}`);

  return { transaction_id: uuidv4() };
};
