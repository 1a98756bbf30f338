package dev.slipway.examples.orders;

/** Main class of release 2.0.0 ({@code orders-2.0.0.jar}). */
public final class OrdersV2 {

    private OrdersV2() {
    }

    public static void main(String[] args) {
        OrdersMain.run(OrdersVersion.V2);
    }
}
