<?php

// First-party origins. Partner portals differ per environment and come from
// CORS_EXTRA_ORIGINS, a JSON list of origins, e.g. '["https://partners.example.com"]'.
$firstParty = [
    'https://portal.lumenlettings.co.uk',
    'https://agents.lumenlettings.co.uk',
];

return [

    /*
    |--------------------------------------------------------------------------
    | Cross-Origin Resource Sharing (CORS) Configuration
    |--------------------------------------------------------------------------
    |
    | The tenant portal and the letting agents' back office call the statement
    | and document endpoints from the browser.
    |
    */

    'paths' => ['api/*', 'leases/*/statement', 'documents/*'],

    'allowed_methods' => ['GET', 'POST', 'OPTIONS'],

    'allowed_origins' => array_merge($firstParty, json_decode(env('CORS_EXTRA_ORIGINS'), true)),

    'allowed_origins_patterns' => [],

    'allowed_headers' => ['Content-Type', 'X-Requested-With', 'Authorization', 'X-XSRF-TOKEN'],

    'exposed_headers' => ['Content-Disposition'],

    'max_age' => 3600,

    'supports_credentials' => true,

];
