package dev.slipway.examples.orders;

/** Main class of release 1.0.0 ({@code orders-1.0.0.jar}). */
public final class OrdersV1 {

    private OrdersV1() {
    }

    public static void main(String[] args) {
        OrdersMain.run(OrdersVersion.V1);
    }
}
